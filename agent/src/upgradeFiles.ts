/** Where an upgrade keeps the executable it replaced (upgrade.ts), and where the systemd unit's start guard finds it (service.ts). */
export const backupPath = (executable: string) => `${executable}.previous`;
