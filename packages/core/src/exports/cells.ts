/**
 * Makes a cell safe to open in a spreadsheet: text that starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return would be run as a formula, so it gets a leading apostrophe (the OWASP advice). Plain negative numbers
 * ("-12.5") are left as they are.
 */
export function neutraliseCell(value: string): string {
  if (value === '' || !/^[=+\-@\t\r]/.test(value)) return value;
  if (/^-\d+(\.\d+)?$/.test(value)) return value;
  return `'${value}`;
}
