import {
  ActionIcon,
  Button,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { problemFor } from '../../email/utils/field-problem.ts';
import { directionOf, KB_LOCALES, type KbCategory, type KbLocale, kbApi } from '../utils/kb-api.ts';
import { kbKeys } from '../utils/kb-keys.ts';
import { categoryTree, nameIn } from '../utils/kb-names.ts';

/** The form that adds or renames a category: a name per language and the top-level category it goes under. */
function CategoryForm({
  editing,
  categories,
  onDone,
}: {
  editing: KbCategory | undefined;
  categories: readonly KbCategory[];
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [names, setNames] = useState<Partial<Record<KbLocale, string>>>(editing?.names ?? {});
  const [parentId, setParentId] = useState<string | null>(editing?.parentId ?? null);
  const save = useAction();
  const parents = categories.filter((c) => c.parentId === null && c.id !== editing?.id);
  const submit = async () => {
    const kept = Object.fromEntries(Object.entries(names).filter(([, v]) => v?.trim()));
    if (await save.run(() => kbApi.saveCategory(editing?.id, { names: kept, parentId }), [kbKeys.categories]))
      onDone();
  };
  return (
    <Stack gap="xs" mt="sm" data-testid="kb-category-form">
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
        {KB_LOCALES.map((l) => (
          <TextInput
            key={l}
            label={t('kb.categoryName', { language: t(`kb.languages.${l}`) })}
            value={names[l] ?? ''}
            dir={directionOf(l)}
            lang={l}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setNames((n) => ({ ...n, [l]: value }));
            }}
            error={problemFor(save.error, `names.${l}`)}
          />
        ))}
      </SimpleGrid>
      <Select
        label={t('kb.parent')}
        w={320}
        data={[
          { value: '', label: t('kb.topLevel') },
          ...parents.map((c) => ({ value: c.id, label: nameIn(c.names, i18n.language) })),
        ]}
        value={parentId ?? ''}
        allowDeselect={false}
        onChange={(v) => setParentId(v || null)}
        error={problemFor(save.error, 'parentId')}
      />
      <ErrorText error={problemFor(save.error, 'names', 'parentId') ? null : save.error} />
      <Group>
        <Button size="xs" loading={save.busy} onClick={() => void submit()}>
          {t('kb.saveCategory')}
        </Button>
        <Button size="xs" variant="default" onClick={onDone}>
          {t('kb.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}

/** The categories, top-level ones by position with their sub-categories under them; added, renamed, removed. */
export function KbCategories({
  categories,
  canManage,
}: {
  categories: readonly KbCategory[];
  canManage: boolean;
}) {
  const { t, i18n } = useTranslation();
  const [editing, setEditing] = useState<KbCategory | 'new' | undefined>();
  const [deleting, setDeleting] = useState<KbCategory | undefined>();
  const removal = useAction();
  const tree = categoryTree(categories);
  return (
    <Stack gap="xs">
      {tree.length === 0 ? (
        <Text size="sm">{t('kb.noCategories')}</Text>
      ) : (
        <Table data-testid="kb-categories">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('kb.categoryHeader')}</Table.Th>
              <Table.Th>
                <VisuallyHidden>{t('kb.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tree.map(({ category, depth }) => {
              const name = nameIn(category.names, i18n.language);
              return (
                <Table.Tr key={category.id}>
                  <Table.Td ps={depth ? 'xl' : undefined}>
                    <bdi>{name}</bdi>
                  </Table.Td>
                  <Table.Td w={90}>
                    {canManage && (
                      <Group gap={4} wrap="nowrap">
                        <ActionIcon
                          variant="subtle"
                          aria-label={`${t('kb.rename')} ${name}`}
                          onClick={() => setEditing(category)}
                        >
                          <IconPencil size={16} aria-hidden />
                        </ActionIcon>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`${t('kb.delete')} ${name}`}
                          onClick={() => setDeleting(category)}
                        >
                          <IconTrash size={16} aria-hidden />
                        </ActionIcon>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {canManage &&
        (editing ? (
          <CategoryForm
            key={editing === 'new' ? 'new' : editing.id}
            editing={editing === 'new' ? undefined : editing}
            categories={categories}
            onDone={() => setEditing(undefined)}
          />
        ) : (
          <Group>
            <Button size="xs" variant="light" onClick={() => setEditing('new')}>
              {t('kb.addCategory')}
            </Button>
          </Group>
        ))}
      <ConfirmDelete
        opened={deleting !== undefined}
        onClose={() => setDeleting(undefined)}
        title={t('kb.deleteCategory')}
        hint={t('kb.deleteCategoryHint')}
        error={removal.error}
        busy={removal.busy}
        onDelete={async () => {
          const ok = await removal.run(() => kbApi.deleteCategory(deleting!.id), [kbKeys.categories]);
          if (ok) setDeleting(undefined);
          return ok;
        }}
      />
    </Stack>
  );
}
