/**
 * Metric labels use names (team, service, route, upstream, policy, AI provider), never paths or ids:
 * names are what an operator reads, and their number is bounded by the configuration. Events carry
 * ids, so the names are looked up here, refreshed each time the data plane applies a configuration.
 */
import type { ConfigData } from '../../core/model.js';

// A type, not an interface: it must be assignable to a label record.
export type RouteLabels = { team: string; service: string; route: string };

export interface OwnedName {
  team: string;
  name: string;
}

/** Labels of calls that matched no route. */
export const NO_ROUTE: RouteLabels = Object.freeze({ team: '', service: '', route: '' });

export class ConfigNames {
  #routes = new Map<string, RouteLabels>();
  #services = new Map<string, OwnedName>();
  #upstreams = new Map<string, OwnedName>();
  #policies = new Map<string, OwnedName>();
  #aiProviders = new Map<string, string>();
  /** Bumped on every update: caches keyed by id compare it to know their labels may be stale. */
  generation = 0;

  update(data: ConfigData): void {
    const teams = new Map(data.teams.map((t) => [t.id, t.name]));
    const team = (id: string | null): string => (id === null ? '' : (teams.get(id) ?? id));
    this.#services = new Map(data.services.map((s) => [s.id, { team: team(s.team_id), name: s.name }]));
    this.#upstreams = new Map(data.upstreams.map((u) => [u.id, { team: team(u.team_id), name: u.name }]));
    this.#policies = new Map(data.policies.map((p) => [p.id, { team: team(p.team_id), name: p.name }]));
    this.#aiProviders = new Map(data.aiProviders.map((p) => [p.id, p.name]));
    this.#routes = new Map(
      data.routes.map((r) => [r.id, { team: team(r.team_id), service: this.#services.get(r.service_id)?.name ?? r.service_id, route: r.name }]),
    );
    this.generation++;
  }

  /**
   * Labels of a call. A route the names do not know (a call that started on an older configuration,
   * or a data plane fed without this class) is labelled by its ids.
   */
  route(routeId: string | null, serviceId: string | null): RouteLabels {
    if (routeId === null) return NO_ROUTE;
    const known = this.#routes.get(routeId);
    if (known !== undefined) return known;
    const service = serviceId === null ? undefined : this.#services.get(serviceId);
    return { team: service?.team ?? '', service: service?.name ?? serviceId ?? '', route: routeId };
  }

  upstream(id: string): OwnedName {
    return this.#upstreams.get(id) ?? { team: '', name: id };
  }

  policy(id: string): OwnedName {
    return this.#policies.get(id) ?? { team: '', name: id };
  }

  aiProvider(id: string): string | undefined {
    return this.#aiProviders.get(id);
  }
}
