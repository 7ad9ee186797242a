// The event store: its manifest file name and the streaming reader (other pieces are imported from their modules).
export { MANIFEST_FILE } from './manifest.js';
export { openStore } from './reader.js';
