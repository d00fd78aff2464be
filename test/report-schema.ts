// Every report a test sees is checked against the committed JSON Schema (schemas/report.schema.json)
// with ajv, the schema scripts and other tools read: the schema, not the TypeScript types, is the
// promise made to them.
import {readFileSync} from 'node:fs'

import {Ajv2020} from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import {expect} from 'vitest'

const addFormats = addFormatsModule as unknown as (a: Ajv2020) => Ajv2020

export const REPORT_SCHEMA = JSON.parse(readFileSync(new URL('../schemas/report.schema.json', import.meta.url), 'utf8')) as object

const ajv = new Ajv2020({allErrors: true, strict: true, strictRequired: false})
addFormats(ajv)
const validate = ajv.compile(REPORT_SCHEMA)

/** The schema's complaints about a value, one per line; empty when it is a valid report. */
export function schemaErrors(value: unknown): string[] {
  if (validate(value)) return []
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
}

export function expectValidReport(value: unknown): void {
  expect(schemaErrors(value)).toEqual([])
}
