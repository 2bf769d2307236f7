import { Button, Text } from '@mantine/core';
import { spotlight } from '@mantine/spotlight';
import { IconSearch } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { SearchSpotlight } from './SearchSpotlight.tsx';

/** The header's search: a button (an icon on a phone) and Ctrl/Cmd-K, both opening the search box. */
export function SearchButton() {
  const { t } = useTranslation();
  return (
    <>
      <Button
        variant="default"
        size="xs"
        leftSection={<IconSearch size={16} />}
        onClick={() => spotlight.open()}
        visibleFrom="xs"
        data-testid="open-search"
      >
        {t('nav.search')}{' '}
        <Text span c="dimmed" size="xs" ms={6}>
          Ctrl K
        </Text>
      </Button>
      <Button
        variant="subtle"
        size="xs"
        hiddenFrom="xs"
        onClick={() => spotlight.open()}
        aria-label={t('nav.search')}
      >
        <IconSearch size={18} />
      </Button>
      <SearchSpotlight />
    </>
  );
}
