// Error codes of the OMOP/MEDS importers and the data profile: IMPORT_<WHAT>, PROFILE_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const importerCodes = defineCodes({
  IMPORT_OMOP_NO_PERSON: {
    message: '{dir}: no person.csv found; an OMOP CDM folder needs at least person.csv (lower-case table names).',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'The --input folder of `ingest --format omop` holds no person table. Point it at the folder with the CDM CSV files.',
  },
  IMPORT_HEADER_MISSING: {
    message: '{file}: header lacks required column(s) {columns}.',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'An OMOP or MEDS input file does not have the columns the importer needs; the message names them. Check the file is the table it claims to be.',
  },
  IMPORT_MEDS_NO_DATA: {
    message: '{path}: no MEDS data files (.parquet or .csv) found.',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'The MEDS input is neither a .parquet/.csv file nor a folder holding them (in data/ or at its top level).',
  },
  IMPORT_PARQUET_UNREADABLE: {
    message: '{file}: not a readable Parquet file ({detail}).',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A MEDS .parquet file could not be opened or decoded (truncated, not Parquet, or an unsupported encoding).',
  },
  PROFILE_STORE_EMPTY: {
    message: '{store}: the store holds no persons; there is nothing to profile.',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: '`servicepath profile` was given a store without persons. Ingest data first.',
  },
});
