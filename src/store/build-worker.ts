// Worker thread of buildShards: builds the shards it takes from the shared counter and sends back their outcomes.
import { parentPort, workerData } from 'node:worker_threads';
import { buildFromCounter, type ShardBuildJob } from './writer.js';

const { job, next } = workerData as { job: ShardBuildJob; next: Int32Array };
parentPort!.postMessage(buildFromCounter(job, next));
