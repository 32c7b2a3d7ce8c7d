'use strict';
/**
 * The capacity plan: from what each stage's workers completed while they had work queued
 * (so they were the limit, not the input), the jobs per second one worker process does,
 * and how many processes drain a given day within a target time.
 */

/** Fewer saturated seconds than this say more about noise than about the workers. */
const MIN_SATURATED_SECONDS = 5;

/** Queued: waiting for a worker, not being worked on or waiting to retry. */
function queued(c) {
  return c ? c.waiting + c.prioritized + c.paused : 0;
}

/**
 * @param series samples { t, dt, phase, queues: { [q]: counts with `completed` since the previous sample } }
 * @param workers { [q]: number of worker processes that served q }
 * @returns one entry per stage
 */
function capacityPlan({ series, stages, workers, accepted, planReturns, targetSeconds }) {
  return stages.map((q) => {
    let total = 0;
    let firstDone = null;
    let lastDone = null;
    const busy = { drain: { jobs: 0, seconds: 0 }, all: { jobs: 0, seconds: 0 } };
    // Every slot busy: as many jobs active as the most ever seen on the queue (its concurrency
    // times its processes), give or take a slot being refilled.
    const slots = Math.max(1, ...series.map((s) => s.queues?.[q]?.active ?? 0));
    for (let i = 1; i < series.length; i++) {
      const prev = series[i - 1].queues?.[q];
      const cur = series[i].queues?.[q];
      if (!cur) continue;
      const done = cur.completed ?? 0;
      total += done;
      if (done > 0) {
        firstDone ??= series[i - 1].t;
        lastDone = series[i].t;
      }
      // Work waited at both ends of the interval and the slots were full: the workers, not
      // their input, set the pace all through it.
      if (queued(prev) > 0 && queued(cur) > 0 && cur.active >= Math.max(1, Math.floor(slots * 0.75))) {
        busy.all.jobs += done;
        busy.all.seconds += series[i].dt;
        if (series[i].phase !== 'send') {
          busy.drain.jobs += done;
          busy.drain.seconds += series[i].dt;
        }
      }
    }
    const processes = Math.max(1, workers[q] || 1);
    let basis;
    let rate;
    if (busy.drain.seconds >= MIN_SATURATED_SECONDS) {
      basis = 'drain, work queued';
      rate = busy.drain.jobs / busy.drain.seconds;
    } else if (busy.all.seconds >= MIN_SATURATED_SECONDS) {
      basis = 'whole run, work queued';
      rate = busy.all.jobs / busy.all.seconds;
    } else if (total > 0 && lastDone > firstDone) {
      // Never behind: it did what it was given, so this is what it was offered, a floor.
      basis = 'never saturated: a lower bound';
      rate = total / (lastDone - firstDone);
    } else {
      basis = 'no jobs completed';
      rate = 0;
    }
    const perProcess = rate / processes;
    const jobsPerReturn = accepted > 0 ? total / accepted : 0;
    const jobs = planReturns * jobsPerReturn;
    const neededRate = jobs / targetSeconds;
    const needed = perProcess > 0 ? Math.max(1, Math.ceil(neededRate / perProcess - 1e-9)) : null;
    return {
      stage: q,
      completed: total,
      jobsPerReturn,
      basis,
      saturatedSeconds: basis.startsWith('drain') ? busy.drain.seconds : busy.all.seconds,
      measuredRate: rate,
      workerProcesses: processes,
      perProcessRate: perProcess,
      planJobs: jobs,
      neededRate,
      processesNeeded: needed,
      lowerBound: basis.startsWith('never'),
      drainWithMeasuredSeconds: rate > 0 ? jobs / rate : null,
    };
  });
}

module.exports = { capacityPlan, queued };
