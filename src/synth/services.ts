// The service codes the generator writes: English codes, their domain, English and Finnish labels.
// Codes index into this list everywhere inside the generator (events are packed as day * 64 + code index).

interface ServiceCode {
  code: string;
  domain: string;
  label: string;
  labelFi: string;
}

export const SERVICE_CODES = [
  { code: 'BIRTH', domain: 'health', label: 'Birth', labelFi: 'Syntymä' },
  { code: 'NEUVOLA_VISIT', domain: 'health', label: 'Child-health clinic visit', labelFi: 'Lastenneuvolakäynti' },
  { code: 'NEUVOLA_NO_SHOW', domain: 'health', label: 'Missed child-health clinic visit', labelFi: 'Peruuttamaton poisjäänti neuvolasta' },
  { code: 'MATERNITY_CLINIC_VISIT', domain: 'health', label: 'Maternity clinic visit', labelFi: 'Äitiysneuvolakäynti' },
  { code: 'NEUVOLA_HOME_VISIT', domain: 'health', label: 'Family-nurse home visit', labelFi: 'Neuvolan perhetyöntekijän kotikäynti' },
  { code: 'DEV_CONCERN', domain: 'health', label: 'Developmental concern recorded', labelFi: 'Kehityksellinen huoli kirjattu' },
  { code: 'PHC_VISIT', domain: 'health', label: 'Primary-care visit', labelFi: 'Terveysasemakäynti' },
  { code: 'ER_VISIT', domain: 'health', label: 'Emergency visit', labelFi: 'Päivystyskäynti' },
  { code: 'CMH_VISIT', domain: 'mental_health', label: 'Child mental-health visit', labelFi: 'Lasten mielenterveyspalvelukäynti' },
  { code: 'MH_ADULT_VISIT', domain: 'mental_health', label: 'Adult mental-health outpatient visit', labelFi: 'Aikuisten mielenterveyspalvelukäynti' },
  { code: 'MH_CRISIS', domain: 'mental_health', label: 'Mental-health crisis contact', labelFi: 'Mielenterveyden kriisikäynti' },
  { code: 'MH_ADULT_THERAPY', domain: 'mental_health', label: 'Adult psychotherapy course', labelFi: 'Aikuisten psykoterapiajakso' },
  { code: 'SUD_VISIT', domain: 'substance_abuse', label: 'Substance-abuse services visit', labelFi: 'Päihdepalvelukäynti' },
  { code: 'SUD_DETOX', domain: 'substance_abuse', label: 'Detoxification treatment', labelFi: 'Katkaisuhoito' },
  { code: 'SUD_TREATMENT', domain: 'substance_abuse', label: 'Substance-abuse outpatient treatment programme', labelFi: 'Päihdekuntoutus avohoidossa' },
  { code: 'INCOME_SUPPORT', domain: 'income_support', label: 'Basic income support (monthly)', labelFi: 'Perustoimeentulotuki (kuukausi)' },
  { code: 'HOUSING_ALLOWANCE', domain: 'income_support', label: 'General housing allowance (monthly)', labelFi: 'Yleinen asumistuki (kuukausi)' },
  { code: 'UNEMPLOYMENT_BENEFIT', domain: 'employment', label: 'Unemployment benefit (monthly)', labelFi: 'Työttömyysetuus (kuukausi)' },
  { code: 'ADULT_SOCIAL_WORK', domain: 'social_work', label: 'Adult social-work meeting', labelFi: 'Aikuissosiaalityön tapaaminen' },
  { code: 'FAMILY_WORK', domain: 'social_work', label: 'Family social work (start)', labelFi: 'Perhetyö (alkaa)' },
  { code: 'HOME_HELP', domain: 'social_work', label: 'Home help for families with children', labelFi: 'Lapsiperheiden kotipalvelu' },
  { code: 'PARENTING_GROUP', domain: 'social_work', label: 'Parenting support group', labelFi: 'Vanhemmuuden tukiryhmä' },
  { code: 'EE_ENROL', domain: 'early_education', label: 'Early-education enrolment', labelFi: 'Varhaiskasvatuksen aloitus' },
  { code: 'EE_SUPPORT', domain: 'early_education', label: 'Intensified support in early education', labelFi: 'Tehostettu tuki varhaiskasvatuksessa' },
  { code: 'SCHOOL_START', domain: 'school', label: 'School start', labelFi: 'Koulun aloitus' },
  { code: 'SCHOOL_SUPPORT', domain: 'school', label: 'Intensified or special support at school', labelFi: 'Tehostettu tai erityinen tuki koulussa' },
  { code: 'CW_NOTIFICATION', domain: 'child_welfare', label: 'Child-welfare notification', labelFi: 'Lastensuojeluilmoitus' },
  { code: 'CW_ASSESSMENT', domain: 'child_welfare', label: 'Child-welfare needs assessment', labelFi: 'Lastensuojelutarpeen selvitys' },
  { code: 'CW_OPEN_CARE', domain: 'child_welfare', label: 'Child-welfare open-care measure', labelFi: 'Avohuollon tukitoimi' },
  { code: 'CW_PLACEMENT', domain: 'child_welfare', label: 'Child-welfare placement', labelFi: 'Sijoitus kodin ulkopuolelle' },
] as const satisfies readonly ServiceCode[];

export type Code = (typeof SERVICE_CODES)[number]['code'];

const INDEX = new Map<string, number>(SERVICE_CODES.map((s, i) => [s.code, i]));

/** Index of a code in SERVICE_CODES (throws on a typo: the lists are static). */
export function codeIndex(code: Code): number {
  const i = INDEX.get(code);
  if (i === undefined) throw new RangeError(`unknown service code ${code}`);
  return i;
}

/** Packs (day, code) into one sortable number: day-major, then code index. */
export const CODE_SLOTS = 64;
export function packEvent(day: number, code: number): number {
  return day * CODE_SLOTS + code;
}
export function eventDay(packed: number): number {
  return Math.floor(packed / CODE_SLOTS);
}
export function eventCode(packed: number): number {
  return packed - Math.floor(packed / CODE_SLOTS) * CODE_SLOTS;
}

/** The outcome codes of the default task: never touched by recording noise (the register is complete). */
export const OUTCOME_CODES: readonly Code[] = ['CW_OPEN_CARE', 'CW_PLACEMENT'];
