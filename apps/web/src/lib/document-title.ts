import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Names the browser tab (and what a screen reader announces on arrival) after the screen, in the user's language. */
export function useDocumentTitle(screen: string | undefined): void {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = screen ? `${screen} · ${t('app.name')}` : t('app.name');
  }, [screen, t]);
}
