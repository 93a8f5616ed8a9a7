// Evaluated by test_screen_width.py in the page: ({limit, what}) => a number or a list.
({ limit, what }) => {
    if (what === "width") {
        // The page's width, or more when a table scrolls sideways inside its box.
        const inner = [...document.querySelectorAll(".results, .module, table")].map((el) =>
            el.scrollWidth > el.clientWidth + 1 ? limit + el.scrollWidth - el.clientWidth : 0
        );
        return Math.max(document.documentElement.scrollWidth, ...inner);
    }
    // The deepest elements that stick out on the right (to say what to fix).
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        const child = [...el.children].some((c) => c.getBoundingClientRect().right > limit + 1);
        if (box.right > limit + 1 && !child) {
            const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
            out.push(`${name} ${Math.round(box.left)}-${Math.round(box.right)} ${(el.textContent || "").trim().slice(0, 30)}`);
        }
    }
    return out.slice(0, 4);
};
