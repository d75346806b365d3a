// Shim used when ESM-only dependencies are bundled into CommonJS output.
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
