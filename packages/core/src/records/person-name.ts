/**
 * A person's first and last name from one full name: the first word is the first name and the rest the last
 * (a single word stays whole, as the first name). Used wherever a person is made from one typed or sent name.
 */
export function splitPersonName(name: string): { firstName: string; lastName?: string } {
  const [first = '', ...rest] = name.trim().split(/\s+/u);
  return rest.length > 0 ? { firstName: first, lastName: rest.join(' ') } : { firstName: first };
}
