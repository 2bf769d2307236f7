import { solveChallenge } from 'altcha-lib/v1';
import type { FastifyInstance } from 'fastify';

/** A form as its public route shows it (the parts tests read). */
export interface PublicFormSeen {
  publicId: string;
  locale: string;
  dir: string;
  fields: { key: string; type: string; label: string; required: boolean }[];
  honeypot: string;
  altcha: { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
  stamp: string;
}

/** The body of a clean submission: fresh from the form's public route, its proof of work solved as a browser would. */
export async function cleanSubmission(
  app: FastifyInstance,
  publicId: string,
  fields: Record<string, string>,
): Promise<{ fields: Record<string, string>; altcha: string; stamp: string }> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/public/web-forms/${publicId}` });
  if (res.statusCode !== 200) throw new Error(`The form ${publicId} answered ${res.statusCode}: ${res.body}`);
  const { altcha, stamp } = res.json() as PublicFormSeen;
  const solution = await solveChallenge(altcha.challenge, altcha.salt, 'SHA-256', altcha.maxnumber).promise;
  if (!solution) throw new Error('The proof of work found no solution.');
  const payload = { ...altcha, maxnumber: undefined, number: solution.number };
  return { fields, altcha: Buffer.from(JSON.stringify(payload)).toString('base64'), stamp };
}
