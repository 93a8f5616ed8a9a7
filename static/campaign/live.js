// Live regions: while a page shows a queued or running run ([data-status=queued] or
// [data-status=running] inside a [data-live-region]), fetch the same page every few
// seconds and swap each region for its new version, without a reload. Stops as soon
// as nothing is queued or running any more, or when the page is hidden.
(function () {
    "use strict";
    const regions = () => document.querySelectorAll("[data-live-region]");
    const busy = () => document.querySelector("[data-live-region] [data-status=queued], [data-live-region] [data-status=running]");
    const interval = Number(document.body.dataset.liveInterval || 4000);

    async function refresh() {
        if (!busy()) return;
        if (!document.hidden) {
            try {
                const response = await fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Region": "1" } });
                if (response.ok) {
                    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
                    for (const region of regions()) {
                        const next = fresh.querySelector(`[data-live-region="${region.dataset.liveRegion}"]`);
                        if (next) region.replaceWith(document.importNode(next, true));
                    }
                }
            } catch (error) {
                // A network blip: try again at the next tick.
            }
        }
        window.setTimeout(refresh, interval);
    }
    window.setTimeout(refresh, interval);
})();
