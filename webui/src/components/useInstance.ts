import { useEffect, useState } from 'react';
import { instanceInfo } from '../api/instance';
import { session } from '../stores';
import { useStore } from '../stores/store';

/** useCanCreateWorkspace says whether the signed-in user may create a
 * workspace (the instance may allow only its administrators). Until the
 * server answers, and if it cannot, it says yes: the server refuses with
 * a clear message anyway. */
export function useCanCreateWorkspace(): boolean {
  const user = useStore(session, (s) => s.user?.id ?? 0);
  const [can, setCan] = useState(true);
  useEffect(() => {
    if (!user) return;
    let live = true;
    instanceInfo().then((i) => { if (live) setCan(i.can_create_workspace); }, () => undefined);
    return () => { live = false; };
  }, [user]);
  return can;
}
