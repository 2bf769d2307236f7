/** Query keys of the workspaces module: members, teams and pending invitations. */
export const workspaceKeys = {
  members: ['members'] as const,
  teams: ['teams'] as const,
  invitations: ['invitations'] as const,
};
