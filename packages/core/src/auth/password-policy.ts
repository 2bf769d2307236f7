import { dictionary } from '@zxcvbn-ts/language-common';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.ts';

// OWASP ASVS 5.0 (6.2): at least 8 characters, at least 64 allowed, no composition rules, refused when it is
// among the common or breached passwords (checked offline), or holds the account's own email name.
// The list is zxcvbn-ts's ranked "passwords-common" dictionary (about 49,000 passwords from breach corpora),
// shipped inside the npm package; only entries a password could equal (8 characters or more) are kept.
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].filter((p) => p.length >= PASSWORD_MIN));
  return common;
}

/** How many common passwords the check refuses (for tests and docs). */
export function commonPasswordCount(): number {
  return commonPasswords().size;
}

/**
 * Why a new password is refused, in a sentence, or undefined when it is acceptable. Lengths count Unicode code
 * points, so a password in Persian or Arabic script is measured as typed.
 */
export function passwordProblem(password: string, email: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (password.trim() === '') return 'A password cannot be only spaces.';
  const folded = password.normalize('NFKC').toLowerCase();
  if (commonPasswords().has(folded) || commonPasswords().has(folded.trim())) {
    return 'This password is among the most common or breached passwords; choose another.';
  }
  // The local part is what people reuse; one of one or two letters would refuse too much by containment.
  const localPart = email.trim().toLowerCase().split('@')[0] ?? '';
  if (localPart && (folded === localPart || (localPart.length >= 3 && folded.includes(localPart)))) {
    return 'A password cannot contain your email address.';
  }
  return undefined;
}
