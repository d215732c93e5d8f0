// What a live view holds of an endpoint whose items are only ever appended (epochs, snapshots), brought up to date by
// asking only for what follows: `${url}?from=<items held>`. The answer carries `from`; 0 means "everything".
//   cache      a WeakMap keyed by the view's element
//   count(d)   how many items `d` holds
//   read(url)  fetches and parses one answer
//   continues(d, more)  whether an answer carries on from `d` beyond the count (the same rows, the same shape)
//   append(d, more)     the fields that change once `more` is added to `d`
// An answer that does not continue what is held (another run, a reply that crossed another, changed rows) drops what
// is held and asks for everything once more.
export async function fetchFollowing(cache, key, url, { count, read, continues = () => true, append }) {
    const held = cache.get(key);
    const have = held && held.url === url ? count(held) : 0;
    const more = await read(`${url}?from=${have}`);
    if (more.from === 0) {
        cache.set(key, { ...more, url });
        return;
    }
    const d = cache.get(key);
    if (!d || d.url !== url || count(d) !== more.from || !continues(d, more)) {
        cache.delete(key);
        return fetchFollowing(cache, key, url, { count, read, continues, append });
    }
    cache.set(key, { ...d, ...append(d, more) });
}
