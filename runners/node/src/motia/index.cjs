// require('motia') in CommonJS that Node's ESM loader runs from source (a
// CommonJS TypeScript file imported by an ESM one): its require resolves the
// name (commonjs.mjs answers this file) and then loads the file as CommonJS.
// Its exports are the one instance of index.mjs, which commonjs.mjs published.
module.exports = globalThis[Symbol.for('steppe.motia')]
