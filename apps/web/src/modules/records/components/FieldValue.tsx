import { Anchor, Badge, Group, Rating, Text } from '@mantine/core';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { webModules } from '../../index.ts';
import { type FieldDef, label } from '../../metadata/utils/metadata.ts';
import { fieldViewFor } from '../../web-module.ts';
import { RelationLink } from './RelationLink.tsx';
import { UserName } from './UserName.tsx';

/** What modules put beside a phone number (click-to-call). */
function PhoneActions({ number }: { number: string }) {
  const actions = webModules.flatMap((m) => m.phoneActions ?? []);
  return (
    <>
      {actions.map((Action, i) => (
        <Action key={i} number={number} />
      ))}
    </>
  );
}

/** A linked record's or member's title as a list answer's `_expanded` gives it. */
export interface ExpandedRef {
  id: string;
  title: string | null;
  titles?: Partial<Record<Locale, string>>;
}

/**
 * A field's value as the user reads it: in their language, calendar and digits. Relation and user fields show the
 * titles in `expanded` when the list fetched them (no request per record), else fetch their own.
 */
export function FieldValue({
  field,
  value,
  expanded,
  record,
}: {
  field: FieldDef;
  value: unknown;
  expanded?: ExpandedRef | ExpandedRef[] | null | undefined;
  /** The record's object and id, so a module's view of this field (`fieldViews`) can be used. */
  record?: { objectKey: string; id: string } | undefined;
}) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const locale = i18n.language as Locale;
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0) || value === '')
    return (
      <Text size="sm" c="dimmed">
        {t('record.none')}
      </Text>
    );
  const view = record && fieldViewFor(webModules, record.objectKey, field.key);
  if (view && record)
    return (
      <Suspense fallback={<Text size="sm">{String(value)}</Text>}>
        <view.component field={field} value={value} objectKey={record.objectKey} recordId={record.id} />
      </Suspense>
    );
  const optionLabel = (v: string) => label(field.options?.find((o) => o.value === v)?.labels, locale) || v;
  switch (field.type) {
    case 'number':
      return <Text size="sm">{formatNumber(value as number, prefs)}</Text>;
    case 'money':
      return <Text size="sm">{formatMoney(value as { amount: string; currency: string }, prefs)}</Text>;
    case 'date':
      return <Text size="sm">{formatDate(value as string, prefs)}</Text>;
    case 'dateTime':
      return <Text size="sm">{formatDateTime(value as string, prefs)}</Text>;
    case 'boolean':
      return <Text size="sm">{value ? t('record.yes') : t('record.no')}</Text>;
    case 'rating':
      return <Rating value={Number(value)} readOnly size="sm" />;
    case 'select':
      return <Badge variant="light">{optionLabel(String(value))}</Badge>;
    case 'multiSelect':
    case 'tags':
      return (
        <Group gap={4}>
          {(value as string[]).map((v) => (
            <Badge key={v} variant="light">
              {optionLabel(v)}
            </Badge>
          ))}
        </Group>
      );
    case 'email':
      return (
        <Anchor href={`mailto:${value}`} size="sm">
          {String(value)}
        </Anchor>
      );
    case 'url':
      return (
        <Anchor href={String(value)} target="_blank" rel="noopener noreferrer" size="sm">
          {String(value)}
        </Anchor>
      );
    case 'phone': {
      const p = value as { raw: string; e164: string };
      return (
        <Group gap={4} wrap="nowrap">
          <Anchor href={`tel:${p.e164}`} size="sm" dir="ltr">
            {p.raw}
          </Anchor>
          <PhoneActions number={p.e164} />
        </Group>
      );
    }
    case 'phones':
      return (
        <Group gap={8}>
          {(value as { raw: string; e164: string }[]).map((p) => (
            <Group key={p.e164} gap={4} wrap="nowrap">
              <Anchor href={`tel:${p.e164}`} size="sm" dir="ltr">
                {p.raw}
              </Anchor>
              <PhoneActions number={p.e164} />
            </Group>
          ))}
        </Group>
      );
    case 'emails':
      return (
        <Group gap={8}>
          {(value as { address: string }[]).map((e) => (
            <Anchor key={e.address} href={`mailto:${e.address}`} size="sm">
              {e.address}
            </Anchor>
          ))}
        </Group>
      );
    case 'address': {
      const a = value as Record<string, string | undefined>;
      return (
        <Text size="sm">
          {[a.street, a.city, a.region, a.postalCode, a.country].filter(Boolean).join('، ')}
        </Text>
      );
    }
    case 'location': {
      const l = value as { lat: number; lng: number };
      return (
        <Anchor
          href={`https://www.openstreetmap.org/?mlat=${l.lat}&mlon=${l.lng}`}
          target="_blank"
          rel="noopener noreferrer"
          size="sm"
        >
          {formatNumber(l.lat, prefs)}, {formatNumber(l.lng, prefs)}
        </Anchor>
      );
    }
    case 'user': {
      const ref = Array.isArray(expanded) ? undefined : expanded;
      if (ref && ref.id === value) return <Text size="sm">{ref.title ?? '…'}</Text>;
      return <UserName id={value as string} />;
    }
    case 'relation': {
      const ids = Array.isArray(value) ? (value as string[]) : [value as string];
      const refs = expanded ? (Array.isArray(expanded) ? expanded : [expanded]) : [];
      return (
        <Group gap={8}>
          {ids.map((id) => {
            const ref = refs.find((r) => r.id === id);
            return (
              <RelationLink
                key={id}
                object={field.relation?.object ?? ''}
                id={id}
                {...(ref ? { title: ref.titles?.[locale] ?? ref.title ?? '…' } : {})}
              />
            );
          })}
        </Group>
      );
    }
    default:
      return (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {typeof value === 'object' ? JSON.stringify(value) : String(value)}
        </Text>
      );
  }
}
