/** Application services of nodes and resources. */
export const INVENTORY_SERVICES = [];
