import { defineWebModule } from '../web-module.ts';
import { SearchButton } from './components/SearchButton.tsx';

/** One search over every record the caller may read, from the header or Ctrl/Cmd-K. */
export const searchWeb = defineWebModule({
  name: 'search',
  header: [{ order: 10, component: SearchButton }],
});
