export { createDashboardApp, type DashboardDeps } from './app.js';
export { type Identity, SESSION_COOKIE, XSRF_COOKIE } from './auth.js';
export { dashboardConfigProblem, type RunningDashboard, startDashboard } from './main.js';
export { redactForDisplay } from './redact.js';
