// Every icon-only button in Certdesk goes through here: it always has a tooltip and an aria-label.
import IconButton, { type IconButtonProps } from '@mui/material/IconButton';
import Tooltip, { type TooltipProps } from '@mui/material/Tooltip';
import type { ReactNode } from 'react';

interface IconActionProps extends Omit<IconButtonProps, 'aria-label' | 'title' | 'children'> {
  /** Tooltip and accessible name. */
  label: string;
  children: ReactNode;
  /** Where the tooltip opens (in a table row: beside the button, so it does not cover the next row). */
  placement?: TooltipProps['placement'];
}

export function IconAction({ label, children, disabled, placement, ...rest }: IconActionProps) {
  const button = (
    <IconButton aria-label={label} disabled={disabled} {...rest}>
      {children}
    </IconButton>
  );
  // A disabled button fires no pointer events: the wrapper keeps the tooltip working.
  return (
    <Tooltip title={label} {...(placement ? { placement } : {})}>
      {disabled ? <span>{button}</span> : button}
    </Tooltip>
  );
}
