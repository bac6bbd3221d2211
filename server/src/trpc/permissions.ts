// The role table lives in shared so the dashboard hides exactly what the server refuses.
export { roleHas, type Permission } from '@weian/shared/permissions';
