import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';

type Schemas = components['schemas'];

const BROWSER_REFUSALS = new Set(['NotAllowedError', 'AbortError', 'InvalidStateError']);

/**
 * Whether the error is the browser's rather than the server's: the person closed its dialog, no passkey fits, or
 * (registering) this device holds one of theirs already.
 */
export function isPasskeyCancelled(error: unknown): boolean {
  return error instanceof Error && BROWSER_REFUSALS.has(error.name);
}

/** Registers a passkey on this device under a name: options from the server, the browser's dialog, the answer. */
export async function addPasskey(name: string) {
  const options = await call(client.POST('/api/v1/me/passkeys/options'));
  const credential = await startRegistration({
    optionsJSON: options as PublicKeyCredentialCreationOptionsJSON,
  });
  return call(
    client.POST('/api/v1/me/passkeys', {
      body: { name, credential: credential as Schemas['PasskeyRegistrationResponse'] },
    }),
  );
}

/** Signs in with a passkey alone (the browser offers the ones it has for this site). */
export async function signInWithPasskey() {
  const options = await call(client.POST('/api/v1/auth/passkey/options'));
  const credential = await startAuthentication({
    optionsJSON: options as PublicKeyCredentialRequestOptionsJSON,
  });
  return call(
    client.POST('/api/v1/auth/passkey', {
      body: { credential: credential as Schemas['PasskeyAuthenticationResponse'] },
    }),
  );
}

/** Gives a passkey as the second step of a sign-in whose password was right. */
export async function passkeySecondStep(challenge: string, rememberDevice: boolean) {
  const options = await call(
    client.POST('/api/v1/auth/sign-in/mfa/passkey/options', { body: { challenge } }),
  );
  const credential = await startAuthentication({
    optionsJSON: options as PublicKeyCredentialRequestOptionsJSON,
  });
  return call(
    client.POST('/api/v1/auth/sign-in/mfa/passkey', {
      body: {
        challenge,
        credential: credential as Schemas['PasskeyAuthenticationResponse'],
        rememberDevice,
      },
    }),
  );
}
