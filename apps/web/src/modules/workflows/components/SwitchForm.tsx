import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { caseValueText, type SwitchCase, type SwitchStep } from '../utils/graph.ts';

/** The most cases a switch takes (the API's limit). */
const MAX_CASES = 20;

type Kind = 'text' | 'number' | 'boolean';
const kindOf = (v: SwitchCase['equals']): Kind =>
  typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text';
const sameValue = (a: SwitchCase['equals'], b: SwitchCase['equals']) => typeof a === typeof b && a === b;

/**
 * A switch's form: the value it compares (a CEL expression) and its cases, each a value of a kind (text, number,
 * yes/no) with an optional label for its way out on the canvas. Adding a case adds a way out; removing one whose
 * way leads to steps names the steps that go with it first.
 */
export function SwitchForm({
  step,
  onChange,
  onRemoveCase,
  droppedWithCase,
}: {
  step: SwitchStep;
  onChange: (s: SwitchStep) => void;
  /** Removes a case and the steps only it reached (the definition changes, not just the step). */
  onRemoveCase: (index: number) => void;
  /** The steps removing a case would take with it. */
  droppedWithCase: (index: number) => string[];
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [confirming, setConfirming] = useState<{ index: number; dropped: string[] } | null>(null);
  const setCase = (index: number, patch: Partial<SwitchCase>) =>
    onChange({ ...step, cases: step.cases.map((c, i) => (i === index ? { ...c, ...patch } : c)) });
  const setKind = (index: number, kind: Kind) =>
    setCase(index, { equals: kind === 'number' ? 0 : kind === 'boolean' ? true : '' });
  const remove = (index: number) => {
    const dropped = droppedWithCase(index);
    if (dropped.length) setConfirming({ index, dropped });
    else onRemoveCase(index);
  };
  return (
    <Stack gap="sm">
      <Textarea
        label={t('workflow.switchValue')}
        description={t('workflow.switchValueHint')}
        value={step.value.expr}
        onChange={(e) => onChange({ ...step, value: { expr: e.currentTarget.value } })}
        ff="monospace"
        dir="ltr"
        autosize
        minRows={1}
      />
      <Text size="xs" c="dimmed">
        {t('workflow.switchHint')}
      </Text>
      {step.cases.map((c, i) => {
        const n = formatNumber(i + 1, prefs);
        const duplicate = step.cases.slice(0, i).some((d) => sameValue(d.equals, c.equals));
        const kind = kindOf(c.equals);
        return (
          // Cases have no id of their own: a case is its place, as its way out on the canvas (`case-<index>`).
          <Paper key={i} withBorder p="xs" data-case={i}>
            <Stack gap={6}>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm" fw={500}>
                  {t('workflow.caseN', { n })}
                </Text>
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="red"
                  aria-label={t('workflow.removeCase', { n })}
                  disabled={step.cases.length <= 1}
                  onClick={() => remove(i)}
                >
                  <IconTrash size={14} />
                </ActionIcon>
              </Group>
              {confirming?.index === i ? (
                <Alert color="red" variant="light" p="xs">
                  <Stack gap={6}>
                    <Text size="sm">
                      {t('workflow.removeCaseDropped', {
                        steps: new Intl.ListFormat(prefs.locale).format(confirming.dropped),
                      })}
                    </Text>
                    <Group gap="xs" justify="flex-end">
                      <Button size="xs" variant="default" onClick={() => setConfirming(null)}>
                        {t('workflow.keep')}
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        onClick={() => {
                          setConfirming(null);
                          onRemoveCase(i);
                        }}
                      >
                        {t('workflow.removeCase', { n })}
                      </Button>
                    </Group>
                  </Stack>
                </Alert>
              ) : null}
              <Group gap="xs" align="flex-start" wrap="nowrap">
                <Select
                  w={120}
                  label={t('workflow.caseKind')}
                  data={(['text', 'number', 'boolean'] as const).map((k) => ({
                    value: k,
                    label: t(`workflow.caseKinds.${k}`),
                  }))}
                  value={kind}
                  onChange={(v) => v && v !== kind && setKind(i, v as Kind)}
                  allowDeselect={false}
                />
                <div style={{ flex: 1, minWidth: 0 }}>
                  {kind === 'boolean' ? (
                    <Stack gap={4}>
                      <Text size="sm" fw={500}>
                        {t('workflow.caseEquals')}
                      </Text>
                      <SegmentedControl
                        size="xs"
                        aria-label={t('workflow.caseEquals')}
                        value={String(c.equals)}
                        onChange={(v) => setCase(i, { equals: v === 'true' })}
                        data={[
                          { value: 'true', label: t('workflow.caseTrue') },
                          { value: 'false', label: t('workflow.caseFalse') },
                        ]}
                      />
                      {duplicate ? (
                        <Text size="xs" c="red">
                          {t('workflow.caseDuplicate')}
                        </Text>
                      ) : null}
                    </Stack>
                  ) : kind === 'number' ? (
                    <NumberCase
                      value={c.equals as number}
                      onChange={(equals) => setCase(i, { equals })}
                      error={duplicate ? t('workflow.caseDuplicate') : undefined}
                    />
                  ) : (
                    <TextInput
                      label={t('workflow.caseEquals')}
                      dir="auto"
                      maxLength={500}
                      value={c.equals as string}
                      onChange={(e) => setCase(i, { equals: e.currentTarget.value })}
                      error={duplicate ? t('workflow.caseDuplicate') : undefined}
                    />
                  )}
                </div>
              </Group>
              <TextInput
                label={t('workflow.caseLabel')}
                placeholder={c.equals === '' ? undefined : caseValueText(c.equals)}
                dir="auto"
                maxLength={100}
                value={c.label ?? ''}
                onChange={(e) => {
                  const { label: _, ...rest } = c;
                  const text = e.currentTarget.value;
                  onChange({
                    ...step,
                    cases: step.cases.map((d, j) =>
                      j === i ? (text.trim() ? { ...rest, label: text } : rest) : d,
                    ),
                  });
                }}
              />
            </Stack>
          </Paper>
        );
      })}
      <Group justify="space-between">
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          disabled={step.cases.length >= MAX_CASES}
          onClick={() => onChange({ ...step, cases: [...step.cases, { equals: '', next: null }] })}
        >
          {t('workflow.addCase')}
        </Button>
        <Text size="xs" c="dimmed">
          {t('workflow.otherwiseHint')}
        </Text>
      </Group>
    </Stack>
  );
}

/** Persian and Arabic-Indic digits (and the Arabic decimal point) as ASCII, so a number typed in either reads. */
const asciiDigits = (text: string) =>
  text
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/\u066B/g, '.')
    .trim();
const parseNumber = (text: string) => {
  const plain = asciiDigits(text);
  const n = Number(plain);
  return plain !== '' && Number.isFinite(n) ? n : null;
};

/**
 * A number case's value, typed as text (so "-" or an empty field can be passed through on the way to a number); the
 * case keeps the last number the text read as, and leaving the field shows that number again.
 */
function NumberCase({
  value,
  onChange,
  error,
}: {
  value: number;
  onChange: (n: number) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(String(value));
  // Another case moved into this place (one above it was removed): show its number.
  useEffect(() => {
    setText((current) => (parseNumber(current) === value ? current : String(value)));
  }, [value]);
  const invalid = parseNumber(text) === null;
  return (
    <TextInput
      label={t('workflow.caseEquals')}
      dir="ltr"
      inputMode="decimal"
      value={text}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        const n = parseNumber(next);
        if (n !== null) onChange(n);
      }}
      onBlur={() => setText(String(value))}
      error={invalid ? t('workflow.caseNotNumber') : error}
    />
  );
}
