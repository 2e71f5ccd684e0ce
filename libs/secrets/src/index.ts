export { SecretBox, SecretBoxError, type Keyring, type AssociatedData, type SecretBoxErrorReason } from './secret-box.crypto';
export { redact, REDACTED } from './redact.util';
