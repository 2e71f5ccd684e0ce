/**
 * Test support for libs/auth (not exported): a tiny Nest app with one HTTP controller and one
 * code-first GraphQL resolver behind AuthModule, listening on 127.0.0.1:0, plus token minting.
 */
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import {
  Catch,
  Controller,
  Get,
  HttpCode,
  Module,
  Post,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Field, GraphQLModule, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { JwtConfig } from '@haaas/config';
import { DomainError, type TenantScope } from '@haaas/domain';
import type { Response } from 'express';
import { SignJWT, type JWTPayload } from 'jose';
import { AdminOnly, CurrentScope, Public } from '../auth.decorators';
import { AuthModule, type AuthModuleOptions } from '../auth.module';
import { InMemoryTenantDirectory } from '../in-memory-tenant.directory';

export const TEST_SECRET = 'test-secret-of-at-least-thirty-two-bytes!';
export const TEST_ISSUER = 'haaas-test';
export const TEST_AUDIENCE = 'haaas';

export function hsConfig(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    algorithms: ['HS256'],
    key: { kind: 'secret', secret: TEST_SECRET, isDevSecret: false },
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    clockToleranceSeconds: 5,
    ...overrides,
  };
}

interface ScopeView {
  tenant: string;
  subject: string;
  roles: string[];
}

const view = (s: TenantScope): ScopeView => ({ tenant: s.tenantId, subject: s.actor.subject, roles: [...s.actor.roles] });

@Controller('probe')
class ProbeController {
  @Get('me')
  me(@CurrentScope() scope: TenantScope): ScopeView {
    return view(scope);
  }

  @Post('write')
  @HttpCode(200)
  write(@CurrentScope() scope: TenantScope): ScopeView {
    return view(scope);
  }

  @AdminOnly()
  @Get('admin')
  admin(@CurrentScope() scope: TenantScope): ScopeView {
    return view(scope);
  }

  @Public()
  @Get('public')
  open(): { ok: true } {
    return { ok: true };
  }
}

@ObjectType()
class Whoami {
  @Field() tenant!: string;
  @Field() subject!: string;
  @Field(() => [String]) roles!: string[];
}

@Resolver()
class ProbeResolver {
  @Query(() => Whoami)
  whoami(@CurrentScope() scope: TenantScope): ScopeView {
    return view(scope);
  }

  @Query(() => String)
  tenant(@CurrentScope() scope: TenantScope): string {
    return scope.tenantId;
  }

  @Public()
  @Query(() => String)
  ping(): string {
    return 'pong';
  }

  /** Not marked in any way: being a mutation is what protects it. */
  @Mutation(() => Whoami)
  touch(@CurrentScope() scope: TenantScope): ScopeView {
    return view(scope);
  }

  @AdminOnly()
  @Mutation(() => String)
  platformOperation(@CurrentScope() scope: TenantScope): string {
    return scope.tenantId;
  }
}

const STATUS: Partial<Record<DomainError['code'], number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400 };

/** What the real API's filter and GraphQL error formatter do: domain errors keep their code. */
@Catch(DomainError)
class DomainErrorHttpFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return error;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(STATUS[error.code] ?? 500)
      .json({ code: error.code, message: error.message });
    return undefined;
  }
}

@Module({})
class ProbeAppModule {
  static with(options: AuthModuleOptions): DynamicModule {
    return {
      module: ProbeAppModule,
      imports: [
        AuthModule.forRoot(options),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          formatError: (formatted, error) => {
            const original = unwrapResolverError(error);
            return original instanceof DomainError ? { message: original.message, path: formatted.path, extensions: { code: original.code } } : formatted;
          },
        }),
      ],
      controllers: [ProbeController],
      providers: [ProbeResolver],
    };
  }
}

export interface ProbeApp {
  readonly url: string;
  readonly directory: InMemoryTenantDirectory;
  readonly app: INestApplication;
  close(): Promise<void>;
}

export async function startProbeApp(jwt: JwtConfig, extra: Partial<AuthModuleOptions> = {}): Promise<ProbeApp> {
  const directory = new InMemoryTenantDirectory();
  const app = await NestFactory.create(ProbeAppModule.with({ jwt, tenantDirectory: { useValue: directory }, ...extra }), { logger: false });
  app.useGlobalFilters(new DomainErrorHttpFilter());
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, directory, app, close: () => app.close() };
}

export interface TokenOptions {
  readonly alg?: string;
  readonly key?: Uint8Array | KeyObject;
  readonly kid?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number | null;
}

export const DEFAULT_CLAIMS: JWTPayload = { sub: 'alice', tenant: 'acme', roles: ['member'] };

/** A real signed JWT (jose), valid for the HS test config unless told otherwise. */
export function mint(claims: JWTPayload = DEFAULT_CLAIMS, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt(now)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE);
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
  return jwt.sign(options.key ?? new TextEncoder().encode(TEST_SECRET));
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function callHttp(base: string, path: string, init: { method?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface GqlReply {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: { message: string; extensions?: { code?: string } }[];
}

export async function callGraphql(base: string, query: string, init: { token?: string; headers?: Record<string, string> } = {}): Promise<GqlReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await res.json()) as GqlReply;
}

/** The error code of the first GraphQL error, or of the HTTP reply. */
export function codeOf(reply: GqlReply | Reply): string | undefined {
  if ('status' in reply) return typeof reply.body['code'] === 'string' ? reply.body['code'] : undefined;
  return reply.errors?.[0]?.extensions?.code;
}
