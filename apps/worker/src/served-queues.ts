/** Injection token: the queues this process serves (WORKER_QUEUES, or all of them). */
export const SERVED_QUEUES = Symbol('SERVED_QUEUES');
