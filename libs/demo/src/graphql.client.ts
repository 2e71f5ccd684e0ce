/** A minimal GraphQL-over-HTTP caller for the demo set-up: it drives the public API as a tenant would. */
export class GraphQLCaller {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      const e = body.errors[0];
      throw Object.assign(new Error(`${e?.extensions?.code ?? 'ERROR'}: ${e?.message ?? 'GraphQL error'}`), { code: e?.extensions?.code });
    }
    return body.data as T;
  }
}
