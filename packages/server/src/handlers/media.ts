import { memberOf } from './room.js';
import { sessionOf, type Handler, type RequestContext } from './types.js';

/** The caller's membership; 10006 NOT_IN_ROOM comes before any media check. */
const viewer = (ctx: RequestContext) => memberOf(sessionOf(ctx));

export const publish: Handler<'media.publish'> = (ctx, { source, ...params }) => ctx.services.media.publish(viewer(ctx), source, params);

export const unpublish: Handler<'media.unpublish'> = (ctx, { source }) => {
  ctx.services.media.unpublish(viewer(ctx), source);
  return {};
};

export const subscribe: Handler<'media.subscribe'> = (ctx, params) => ctx.services.media.subscribe(viewer(ctx), params);

export const subscriberAnswer: Handler<'media.subscriberAnswer'> = (ctx, { connectionId, revision, sdp }) => {
  ctx.services.media.subscriberAnswer(viewer(ctx), connectionId, revision, sdp);
  return {};
};

/** Answered after the connection's first offer, as the enter is. */
export const subscriberOpen: Handler<'media.subscriberOpen'> = async (ctx) => {
  await ctx.services.media.subscriberOpen(viewer(ctx));
  return {};
};

export const subscriberReset: Handler<'media.subscriberReset'> = (ctx) => {
  ctx.services.media.subscriberReset(viewer(ctx));
  return {};
};

export const setLayer: Handler<'media.setLayer'> = async (ctx, { subscriptionId, size }) => {
  await ctx.services.media.setLayer(viewer(ctx), subscriptionId, size);
  return {};
};

export const viewStats: Handler<'media.viewStats'> = (ctx) => ({ views: ctx.services.media.viewStats(viewer(ctx)) });

export const unsubscribe: Handler<'media.unsubscribe'> = (ctx, { subscriptionId }) => {
  ctx.services.media.unsubscribe(viewer(ctx), subscriptionId);
  return {};
};
