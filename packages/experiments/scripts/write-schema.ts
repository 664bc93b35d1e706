/**
 * Writes schema/study.schema.json from the registered model specs, for editors
 * (`# yaml-language-server: $schema=...` at the top of a study file).
 * Run after adding a model type: npx nx run experiments:schema
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listModelSpecs } from '@rbm-lab/core';
import { buildStudySchema } from '../src/config/study-schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/study.schema.json', import.meta.url));

export function studySchemaText(): string {
  return `${JSON.stringify(buildStudySchema(listModelSpecs()), null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, studySchemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
