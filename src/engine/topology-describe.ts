import type { CacheRoute, Deployment, HostKernel, InstanceSetting, MemcachedInstance, MemcachedListener, SettingOrigin } from "../model/deployment.js";
import type { SourceLocation } from "../model/source.js";
import { hostName } from "./describe.js";

/** Words and locations for memcached topology findings: stable, human, never a secret. */
const SOURCE_LABEL: Record<MemcachedInstance["source"], string> = {
  systemd: "systemd unit",
  "memcached.conf": "memcached.conf",
  sysconfig: "sysconfig",
  compose: "compose service",
  kolla: "Kolla",
  tripleo: "TripleO container",
  observed: "observed listener",
};

export function instanceLabel(deployment: Deployment, instance: MemcachedInstance): string {
  const host = deployment.hosts.length > 1 ? ` on ${hostName(deployment, instance.hostId)}` : "";
  return `memcached (${SOURCE_LABEL[instance.source]} ${instance.name})${host}`;
}

export function listenerText(l: MemcachedListener): string {
  if (l.address === null) return `*:${l.port}`;
  return l.address.includes(":") ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
}

/** The listeners that are in force: observed ones when a capture shows them, else the launch config's. */
export function effectiveListeners(instance: MemcachedInstance): MemcachedListener[] {
  return instance.observedListeners.length > 0 ? instance.observedListeners : instance.listeners;
}

export function originLocation(origin: SettingOrigin): SourceLocation | null {
  return origin.kind === "file" ? origin.location : null;
}

/** The line of a setting, or the instance's definition when the value is a default. */
export function settingLocation(instance: MemcachedInstance, setting: InstanceSetting<unknown>): SourceLocation {
  return originLocation(setting.origin) ?? instance.origin;
}

export function originText(origin: SettingOrigin): string {
  return origin.kind === "file" ? `${origin.location.file}:${origin.location.line}` : `${origin.product} default`;
}

export function kernelOf(deployment: Deployment, hostId: string): HostKernel | undefined {
  return deployment.hostKernels.find((k) => k.hostId === hostId);
}

export function routesTo(deployment: Deployment, instance: MemcachedInstance, status: CacheRoute["status"] = "listening"): CacheRoute[] {
  return deployment.cacheRoutes.filter((r) => r.status === status && r.instanceIds.includes(instance.id));
}
