import type { ApiReplica } from './api-replicas';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How one API request ended, as a client behind a load balancer sees it. */
export enum Answer {
  /** Answered with the write done (the resource's id). */
  ACKED = 'acked',
  /** Not answered (connection refused or reset, no answer within the client's timeout), or refused with a client-facing code: the client knows it must retry. */
  REFUSED = 'refused',
  /** A 5xx or INTERNAL_SERVER_ERROR without the write: the client cannot tell what happened. */
  UNCLEAN = 'unclean',
}

export interface ApiRequest {
  readonly at: number;
  readonly replica: string;
  readonly answer: Answer;
  readonly detail?: string;
}

/** One write as the client sees it, over its attempts on the replicas. */
export interface ClientWrite {
  readonly at: number;
  readonly name: string;
  /** Acknowledged by one replica (or found already done: CONFLICT on a retry). */
  readonly done: boolean;
}

export interface AckedWrite {
  readonly id: string;
  readonly name: string;
  readonly at: number;
}

const CREATE_CLUSTER = 'mutation($input: CreateClusterInput!) { createCluster(input: $input) { id } }';
const CREATE_RESOURCE = 'mutation($input: CreateResourceInput!) { createResource(input: $input) { id name } }';
/** Past it a request counts as unanswered and the client goes to the other replica (a load balancer's upstream timeout). */
const REQUEST_TIMEOUT_MS = 3_000;

interface GqlReply {
  readonly data?: Record<string, { id: string } | null> | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
}

/**
 * The campaign's API client: writes a resource every `periodMs` through the API replicas, round
 * robin, and when one does not answer tries the next one at once (what a load balancer does).
 * It keeps every acknowledged write, to check none is lost, and how every request ended.
 */
export class ApiWriter {
  readonly acked: AckedWrite[] = [];
  readonly requests: ApiRequest[] = [];
  readonly writes: ClientWrite[] = [];
  private clusterId: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private seq = 0;
  private next = 0;

  constructor(
    private readonly replicas: readonly ApiReplica[],
    private readonly token: string,
    private readonly periodMs = 500,
  ) {}

  async start(): Promise<void> {
    const reply = await this.call(this.replicas[0] as ApiReplica, CREATE_CLUSTER, { input: { name: 'chaos-api-writes', hypervisor: 'KVM' } });
    const id = reply.data?.['createCluster']?.id;
    if (!id) throw new Error(`createCluster through ${this.replicas[0]?.name}: ${JSON.stringify(reply.errors ?? reply)}`);
    this.clusterId = id;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.writeOnce();
        await sleep(this.periodMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One write: the next replica, then each other one in turn until one acknowledges or all have failed. */
  private async writeOnce(): Promise<void> {
    const n = ++this.seq;
    const name = `w-${n}`;
    const started = Date.now();
    const done = await this.attempts(name);
    this.writes.push({ at: started, name, done });
  }

  private async attempts(name: string): Promise<boolean> {
    const first = this.next++ % this.replicas.length;
    for (let i = 0; i < this.replicas.length; i++) {
      const replica = this.replicas[(first + i) % this.replicas.length] as ApiReplica;
      const at = Date.now();
      try {
        const reply = await this.call(replica, CREATE_RESOURCE, { input: { clusterId: this.clusterId, name, type: 'VOLUME', volume: { ref: `chaos/${name}` } } });
        const row = reply.data?.['createResource'];
        if (row?.id) {
          this.acked.push({ id: row.id, name, at });
          this.requests.push({ at, replica: replica.name, answer: Answer.ACKED });
          return true;
        }
        const codes = (reply.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
        // a retried write whose first attempt had landed after all: the name is taken, it was not lost
        if (codes.includes('CONFLICT')) {
          this.requests.push({ at, replica: replica.name, answer: Answer.REFUSED, detail: codes.join(',') });
          return true;
        }
        const clean = codes.length > 0 && !codes.includes('INTERNAL_SERVER_ERROR') && !codes.includes('NO_CODE');
        this.requests.push({ at, replica: replica.name, answer: clean ? Answer.REFUSED : Answer.UNCLEAN, detail: `${codes.join(',')}: ${reply.errors?.[0]?.message ?? ''}`.slice(0, 200) });
      } catch (err) {
        this.requests.push({ at, replica: replica.name, answer: err instanceof HttpError && err.status >= 500 && err.status !== 503 ? Answer.UNCLEAN : Answer.REFUSED, detail: (err as Error).message.slice(0, 200) });
      }
    }
    return false;
  }

  private async call(replica: ApiReplica, query: string, variables: Record<string, unknown>): Promise<GqlReply> {
    const res = await fetch(`${replica.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: GqlReply;
    try {
      body = JSON.parse(text) as GqlReply;
    } catch {
      throw new HttpError(res.status, `HTTP ${res.status}: ${text.slice(0, 120)}`);
    }
    if (res.status >= 500 && !body.errors) throw new HttpError(res.status, `HTTP ${res.status}`);
    return body;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
