import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { FieldDef } from '../metadata/metadata.types.ts';
import { ownerLimit, ruleFor } from '../records/access.ts';
import type { Scope } from '../records/scope.ts';
import { DEAL_MONEY_KEYS, type DealMoneyKey, keptConvertedDealGroups } from '../sales/deal-money.service.ts';
import type { ReportDefinition } from './report-definition.ts';

/** What `runReport` compiled, as far as the kept figures care. */
export interface KeptPathInput {
  dims: { field: FieldDef; bucket: unknown; step: number | null; team: boolean }[];
  measures: { fn: string; field: FieldDef | undefined; where?: unknown; since?: FieldDef | undefined }[];
  /** The workspace's currency when money is converted into it (null: not converted). */
  converted: string | null;
}

/**
 * Deals grouped by pipeline, stage or owner, counted and their amounts summed in the workspace's currency, answered
 * from the sales module's kept figures instead of every deal — only when the answer is the general statement's, row
 * for row: the standard deals object; no filter, range, limit or bucket; keys among pipeline, stage and owner;
 * measures a count of deals, a count of amounts or the converted sum of amounts (of every deal); the report's zone and the
 * workspace's currency those the figures were kept in. Undefined otherwise (the caller runs the statement). The
 * rows have the statement's columns (`kind`, `k0`, `k1`, `o0`, `o1`, `cur`, `m<i>`, `u<i>`). The reader's rights
 * were checked when the definition was compiled (read rule, hidden fields); "own records only" narrows to the
 * reader's deals here as it does there.
 */
export async function keptDealMoneyRows(
  trx: Tx,
  s: Scope,
  principal: Principal,
  def: ReportDefinition,
  compiled: KeptPathInput,
  timeZone: string,
  maxGroups: number,
): Promise<Record<string, unknown>[] | undefined> {
  if (s.object.key !== 'deals' || s.object.table !== 'deals' || s.object.id) return undefined;
  if (def.filter !== undefined && def.filter !== null) return undefined;
  if (def.range || def.limit !== undefined) return undefined;
  const keys: DealMoneyKey[] = [];
  for (const d of compiled.dims) {
    const column = DEAL_MONEY_KEYS[d.field.key];
    if (!column || d.field.column !== column || d.bucket || d.step !== null || d.team) return undefined;
    keys.push(column);
  }
  const amountField = (f: FieldDef | undefined) =>
    f?.key === 'amount' && f.column === 'amount' && f.type === 'money';
  const kinds = compiled.measures.map((m) => {
    // A measure of only some records, or of days between dates, is the statement's alone.
    if (m.where !== undefined || m.since) return undefined;
    if (m.fn === 'count' && !m.field) return 'deals' as const;
    if (m.fn === 'count' && amountField(m.field)) return 'amounts' as const;
    if (m.fn === 'sum' && amountField(m.field) && compiled.converted !== null) return 'converted' as const;
    return undefined;
  });
  if (kinds.some((k) => k === undefined)) return undefined;
  const limit = ownerLimit(principal, ruleFor(principal, s.object.key));
  if (limit === null) return undefined;
  const groups = await keptConvertedDealGroups(trx, {
    workspaceId: s.workspaceId,
    timeZone,
    currency: s.ctx.defaultCurrency,
    keys,
    ownerId: limit,
  });
  // More groups than an answer holds: which are cut depends on the statement's order; let it decide.
  if (!groups || groups.length > maxGroups) return undefined;
  return groups.map((g) => {
    const row: Record<string, unknown> = {
      kind: 'g',
      k0: g.keys[0] ?? null,
      k1: g.keys[1] ?? null,
      o0: false,
      o1: false,
      cur: compiled.converted,
    };
    kinds.forEach((kind, i) => {
      row[`m${i}`] = kind === 'deals' ? g.deals : kind === 'amounts' ? g.amounts : g.converted;
      // Deals with an amount but no rate on their day: the converted sum is then withheld, and they are counted.
      row[`u${i}`] = kind === 'converted' ? g.missing : '0';
    });
    return row;
  });
}
