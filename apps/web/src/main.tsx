import '@mantine/core/styles.css';
import '@mantine/spotlight/styles.css';
import './theme.css';
import { createTheme, DirectionProvider, MantineProvider, Menu, Modal } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { type ReactNode, StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { localeReady } from './i18n/index.ts';
import { router } from './router.tsx';

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
});

// Vazirmatn-like system fonts for Arabic script fall back naturally; Mantine's default stack covers Latin.
const theme = createTheme({
  primaryColor: 'blue',
  // Shade 8 keeps white text on buttons and blue links on white above WCAG AA contrast.
  primaryShade: 8,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Tahoma, "Noto Sans Arabic", sans-serif',
  // People who ask their system for less motion get dialogs and menus without fades.
  respectReducedMotion: true,
});

/** The theme with what must be said in the user's language: the name of every dialog's close button. */
function ThemeInLanguage({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const themed = useMemo(
    () => ({
      ...theme,
      components: {
        Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': t('app.close') } } }),
        // Mantine's initial-focus placeholder is a focusable child a menu may not hold (axe: aria-required-children);
        // without it the focus trap starts on the first item.
        Menu: Menu.extend({ defaultProps: { withInitialFocusPlaceholder: false } }),
      },
    }),
    [t],
  );
  return <MantineProvider theme={themed}>{children}</MantineProvider>;
}

// The first screen waits for the browser's language (a chunk of its own unless it is English).
void localeReady.then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <DirectionProvider
        initialDirection={document.documentElement.dir === 'rtl' ? 'rtl' : 'ltr'}
        detectDirection
      >
        <ThemeInLanguage>
          <QueryClientProvider client={queryClient}>
            <RouterProvider router={router} />
          </QueryClientProvider>
        </ThemeInLanguage>
      </DirectionProvider>
    </StrictMode>,
  ),
);
