import { describe, expect, it } from 'vitest';
import { NAV, navFor as entries } from '../router.js';
import { roleCan } from './access.js';

const navFor = (role: string) => entries({ role, institutionCode: role === 'institution' ? 'I1' : null }).map((n) => n.name);

describe('navigation per role', () => {
  it('gives a county bureau its region views and bureau administration, not agent management', () => {
    expect(navFor('county')).toEqual(['overview', 'rankings', 'alerts', 'notices', 'incidents', 'self-inspection', 'hosts', 'exposure', 'rules', 'channels', 'users', 'audit']);
  });
  it('gives an institution its own page, alerts, hosts and agents, and no region views', () => {
    expect(navFor('institution')).toEqual(['own-institution', 'alerts', 'notices', 'incidents', 'self-inspection', 'hosts', 'exposure', 'agents', 'agent-install']);
  });
  it('gives the administrator everything', () => {
    expect(navFor('admin')).toEqual(NAV.filter((n) => !n.ownInstitution).map((n) => n.name));
    expect(roleCan(undefined, 'hosts:read')).toBe(false);
  });
});
