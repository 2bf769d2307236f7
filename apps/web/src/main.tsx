import '@mantine/core/styles.css';
import '@mantine/spotlight/styles.css';
import './theme.css';
import './i18n/index.ts';
import { createTheme, DirectionProvider, MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
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
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DirectionProvider
      initialDirection={document.documentElement.dir === 'rtl' ? 'rtl' : 'ltr'}
      detectDirection
    >
      <MantineProvider theme={theme}>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>
    </DirectionProvider>
  </StrictMode>,
);
