// The role table lives in shared so the dashboard hides exactly what the server refuses.
export { PERMISSIONS, roleHas, type Permission } from '@weian/shared/permissions';
