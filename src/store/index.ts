// The event store: format, manifest, writer pieces and the streaming reader.
export { CODES_FILE, MANIFEST_FILE, STORE_FORMAT, STORE_SCHEMA_VERSION, type InputFile, type ShardFile, type StoreManifest, StoreManifestSchema } from './manifest.js';
export { type CodeInfo, type EventStore, openStore } from './reader.js';
export { decodeShard, encodeShard, SHARD_FORMAT } from './shard-codec.js';
