import { defineWebModule } from '../web-module.ts';
import { ExportMenu } from './components/ExportMenu.tsx';

/** Exports: every list's CSV and Excel download, of its filter or its selection. */
export const exportsWeb = defineWebModule({
  name: 'exports',
  listActions: [{ order: 10, component: ExportMenu }],
});
