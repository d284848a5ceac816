; Mystery Blocksworld: blocksworld with every name replaced by an unrelated word, so that a planner
; cannot lean on what it knows about blocks.  Names and parameter order are those of PlanBench's
; mystery_blocksworld:  on -> craves, ontable -> planet, clear -> province, handempty -> harmony,
; holding -> pain;  pick-up -> attack, put-down -> succumb, stack -> overcome, unstack -> feast.
(define (domain mystery-4ops)
  (:requirements :strips)
  (:predicates
    (province ?x)   ; clear
    (planet ?x)     ; ontable
    (harmony)       ; handempty
    (pain ?x)       ; holding
    (craves ?x ?y)) ; on

  (:action attack
    :parameters (?ob)
    :precondition (and (province ?ob) (planet ?ob) (harmony))
    :effect (and (pain ?ob)
                 (not (province ?ob)) (not (planet ?ob)) (not (harmony))))

  (:action succumb
    :parameters (?ob)
    :precondition (pain ?ob)
    :effect (and (province ?ob) (planet ?ob) (harmony)
                 (not (pain ?ob))))

  (:action overcome
    :parameters (?ob ?underob)
    :precondition (and (pain ?ob) (province ?underob))
    :effect (and (craves ?ob ?underob) (province ?ob) (harmony)
                 (not (pain ?ob)) (not (province ?underob))))

  (:action feast
    :parameters (?ob ?underob)
    :precondition (and (craves ?ob ?underob) (province ?ob) (harmony))
    :effect (and (pain ?ob) (province ?underob)
                 (not (craves ?ob ?underob)) (not (province ?ob)) (not (harmony)))))
