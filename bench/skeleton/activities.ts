/** The skeleton's activity: the real order's write of a transition, doing nothing. */
export function createSkeletonActivities() {
  return {
    async recordOrderEvent(_record: { orderId: number; seq: number; status: string }): Promise<void> {},
  };
}

export type SkeletonActivities = ReturnType<typeof createSkeletonActivities>;
