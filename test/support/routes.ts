import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_RULE, type AccessRule } from '../../src/common/auth/access.decorators.js';

export interface DeclaredRoute {
  controller: string;
  handler: string;
  method: string;
  /** With the global `/api` prefix and `:params` as declared. */
  path: string;
  access: AccessRule | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'];

/** Every route handler of every controller the application registered, with its access rule. */
export function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const reflector = app.get(Reflector);
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  const routes: DeclaredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as new (...args: never[]) => object;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const subPath = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (subPath === undefined) continue;
        const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? '?';
        const join = (...parts: string[]) =>
          `/${parts
            .map((p) => p.replace(/^\/|\/$/g, ''))
            .filter(Boolean)
            .join('/')}`;
        // Most routes are under the global /api prefix; the few excluded from it (/metrics) are not.
        const prefixed = join('/api', prefix, subPath);
        const served = fastify.hasRoute({ method: method, url: prefixed })
          ? prefixed
          : join(prefix, subPath);
        routes.push({
          controller: controller.name,
          handler: name,
          method,
          path: served,
          access: reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
            handler as () => void,
            controller,
          ]),
        });
      }
    }
  }
  return routes;
}
