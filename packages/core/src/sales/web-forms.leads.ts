import { loadObject } from '../metadata/metadata.service.ts';
import type { FormTarget } from '../modules/manifest.ts';
import { createRecordIn } from '../records/create-record.ts';

/** Lead field types a form may ask for (typed in one box; anything richer belongs in the app). */
export const FORM_TYPES: ReadonlySet<string> = new Set([
  'text',
  'longText',
  'number',
  'email',
  'phone',
  'url',
  'select',
]);
/** Lead fields a form never sets: the workflow's (status, score, owner) and the source it fills in itself. */
const NOT_ON_FORMS = new Set(['status', 'score', 'owner', 'source']);

/**
 * The lead target: a form asks for writable lead fields of simple types; a clean submission becomes one lead
 * whose `source` is the UTM source, or the form's name.
 */
export const leadFormTarget: FormTarget = {
  object: 'leads',
  rights: { leads: { read: true, create: true, update: false, delete: false } },
  utmSourceField: 'source',
  async fields(trx, workspaceId) {
    const leads = await loadObject(trx, workspaceId, 'leads');
    return leads.fields
      .filter((d) => !d.readOnly && !NOT_ON_FORMS.has(d.key) && FORM_TYPES.has(d.type))
      .map((d) => ({
        key: d.key,
        type: d.type,
        labels: d.labels,
        required: d.required,
        mustAsk: d.required && d.defaultValue === undefined,
        options: d.type === 'select' ? (d.options ?? []) : undefined,
      }));
  },
  async create({ trx, principal, form, submissionId, values, utm }) {
    const input: Record<string, unknown> = {
      ...values,
      source: (utm.source ?? `Web form: ${form.name}`).slice(0, 200),
    };
    const lead = (await createRecordIn(trx, principal, 'leads', input, {
      source: 'system',
      cause: { kind: 'webForm', runId: submissionId, depth: 0 },
    })) as { id: string };
    return lead.id;
  },
};
