import { DashboardScreen } from './DashboardPage.tsx';

/** `/home`: the reader's home dashboard (their role's, or the built-in one for it). */
export default function DashboardHomePage() {
  return <DashboardScreen id="home" />;
}
