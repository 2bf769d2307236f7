import { createRootRoute, createRoute, Outlet } from '@tanstack/react-router';

// The two parents every module's routes hang from: the root (public screens such as sign-in) and the signed-in
// frame (the shell). The shell is attached in router.tsx, so modules can import these without importing it.
export const rootRoute = createRootRoute({ component: Outlet });

export const appRoute = createRoute({ getParentRoute: () => rootRoute, id: 'app' });
