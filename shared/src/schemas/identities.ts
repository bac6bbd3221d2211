import { z } from 'zod';

/**
 * What names this host to a scanner outside (issue 24): its SSH host-key fingerprints and the
 * certificates its TLS ports present. When a scanner sees one of them on a public address, the
 * exposure is this host's, whatever port mapping lies between. Optional: earlier agents do not send it.
 */
export const HostIdentities = z.object({
  /** "SHA256:…" as ssh-keygen -l prints them. */
  sshHostKeys: z.array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/)).max(16),
  /** SHA-256 of each TLS listener's certificate (DER), lowercase hex. */
  tls: z.array(z.object({ port: z.number().int().min(1).max(65535), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(64),
});
export type HostIdentities = z.infer<typeof HostIdentities>;
