import { previewDocument } from '../utils/template-form.ts';

/**
 * HTML being written, drawn in a frame that runs nothing and shares nothing with the app (`sandbox=""`: no
 * scripts, an origin of its own), from the text itself (`srcdoc`), so the preview follows every keystroke.
 */
export function HtmlPreview({
  html,
  dir,
  title,
  height = 180,
}: {
  html: string;
  dir: 'ltr' | 'rtl' | 'auto';
  title: string;
  height?: number;
}) {
  return (
    <iframe
      sandbox=""
      srcDoc={previewDocument(html, dir)}
      title={title}
      referrerPolicy="no-referrer"
      data-testid="html-preview"
      style={{
        width: '100%',
        height,
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 'var(--mantine-radius-sm)',
        resize: 'vertical',
        overflow: 'auto',
        background: 'white',
      }}
    />
  );
}
