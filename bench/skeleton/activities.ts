/** The skeleton's activities: the real order's two local activities, doing nothing. */
export function createSkeletonActivities() {
  return {
    async loadOrder(_input: { orderId: number }): Promise<{ exists: boolean }> {
      return { exists: true };
    },
    async recordOrderEvent(_record: { orderId: number; seq: number; status: string }): Promise<void> {},
  };
}

export type SkeletonActivities = ReturnType<typeof createSkeletonActivities>;
