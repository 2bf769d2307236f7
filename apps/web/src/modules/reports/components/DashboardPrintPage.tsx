import { useParams } from '@tanstack/react-router';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { RTL } from '../../../i18n/index.ts';
import { useMe } from '../../auth/hooks/useMe.ts';
import { DashboardScreen } from './DashboardPage.tsx';
import { DashboardPrintGate } from './DashboardPrintGate.tsx';

/**
 * `/print/dashboards/$id` (and `/dashboards/$id?print=1`, which comes here): the dashboard without the app's frame,
 * every widget drawn, in the reader's language and direction, with the reader's session — or, for the server's
 * browser rendering a PDF, with a single-use print token (`DashboardPrintGate`). Its root says
 * `data-ready="true"` once every widget has its data or its refusal.
 */
export default function DashboardPrintPage() {
  const { id } = useParams({ from: '/print/dashboards/$id' });
  return (
    <DashboardPrintGate id={id}>
      <DashboardPrint id={id} />
    </DashboardPrintGate>
  );
}

function DashboardPrint({ id }: { id: string }) {
  const me = useMe();
  const { i18n } = useTranslation();
  useEffect(() => {
    document.documentElement.dir = RTL.has(i18n.language as never) ? 'rtl' : 'ltr';
  }, [i18n.language]);
  if (!me.data) return <div data-ready="false" />;
  return (
    <div style={{ padding: 16 }} className="rabita-print">
      <style>
        {'@page { size: A4 landscape; margin: 10mm } @media print { .rabita-print { padding: 0 } }'}
      </style>
      <DashboardScreen id={id} print />
    </div>
  );
}
