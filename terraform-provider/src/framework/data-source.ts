/** Data sources: a schema and a read from the configuration; errors become diagnostics. */
import type { Api } from '../api/client';
import { type Diagnostic, diagnosticsOf, type FieldNames } from './diagnostics';
import type { SchemaSpec } from './schema';
import type { TfObject } from '../protocol/values';

export interface DataSourceType {
  readonly name: string;
  readonly schema: SchemaSpec;
  readonly fieldNames?: FieldNames;
  /** Problems of the configuration alone (no API), e.g. neither `id` nor `name` given. */
  validate?(config: TfObject): Diagnostic[];
  read(api: Api, config: TfObject): Promise<TfObject>;
}

export async function readDataSource(d: DataSourceType, api: Api, config: TfObject): Promise<{ state: TfObject | null; diagnostics: Diagnostic[] }> {
  try {
    return { state: await d.read(api, config), diagnostics: [] };
  } catch (err) {
    return { state: null, diagnostics: diagnosticsOf(err, `data ${d.name}: reading`, d.fieldNames) };
  }
}
