import { router } from '../trpc/init.js';
import { agentRouter } from './agent.js';
import { agentsRouter } from './agents.js';
import { alertsRouter } from './alerts.js';
import { auditRouter } from './audit.js';
import { calendarRouter } from './calendar.js';
import { authRouter } from './auth.js';
import { channelsRouter } from './channels.js';
import { hostsRouter } from './hosts.js';
import { exposureRouter } from './exposure.js';
import { scannerRouter } from './scanner.js';
import { incidentsRouter } from './incidents.js';
import { dataRegisterRouter } from './dataRegister.js';
import { institutionsRouter } from './institutions.js';
import { noticesRouter } from './notices.js';
import { regionsRouter } from './regions.js';
import { selfInspectionRouter } from './selfInspection.js';
import { usersRouter } from './users.js';
import { rulesRouter } from './rules.js';
import { systemRouter } from './system.js';

export const appRouter = router({
  agent: agentRouter,
  agents: agentsRouter,
  alerts: alertsRouter,
  audit: auditRouter,
  auth: authRouter,
  calendar: calendarRouter,
  channels: channelsRouter,
  hosts: hostsRouter,
  exposure: exposureRouter,
  scanner: scannerRouter,
  incidents: incidentsRouter,
  dataRegister: dataRegisterRouter,
  institutions: institutionsRouter,
  notices: noticesRouter,
  regions: regionsRouter,
  rules: rulesRouter,
  system: systemRouter,
  selfInspection: selfInspectionRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
